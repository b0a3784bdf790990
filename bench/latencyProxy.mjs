// A TCP proxy that holds every chunk DELAY_MS milliseconds in each direction, in order: a network's latency between a
// server and its database, on a machine where both are on loopback (no `netem` here). Listens on 127.0.0.1:PORT and
// forwards to the host and port given as arguments. Node's timers make the delay at least DELAY_MS, about a
// millisecond more at most: a round trip of 2–3 ms, as between hosts in different zones of one region.
import net from "node:net";

const [targetHost, targetPort] = process.argv.slice(2);
const DELAY_MS = Number(process.env.DELAY_MS ?? 1);

/** Copies `from` to `to`, each chunk DELAY_MS after it arrived, in the order they arrived. */
function delayed(from, to) {
  const queue = [];
  let timer = null;
  const due = () => {
    timer = null;
    const now = performance.now();
    while (queue.length > 0 && queue[0].at <= now) to.write(queue.shift().chunk);
    if (queue.length > 0) timer = setTimeout(due, queue[0].at - now);
  };
  from.on("data", (chunk) => {
    queue.push({ at: performance.now() + DELAY_MS, chunk });
    timer ??= setTimeout(due, DELAY_MS);
  });
  from.on("end", () => setTimeout(() => to.end(), DELAY_MS + 1));
  from.on("error", () => to.destroy());
  from.on("close", () => setTimeout(() => to.destroy(), DELAY_MS + 2));
}

const server = net.createServer((client) => {
  const upstream = net.connect(Number(targetPort), targetHost);
  client.setNoDelay(true);
  upstream.setNoDelay(true);
  delayed(client, upstream);
  delayed(upstream, client);
});
server.listen(Number(process.env.PORT), "127.0.0.1");
process.on("SIGTERM", () => process.exit(0));
