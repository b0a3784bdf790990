import { connect, type Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { stepLine } from "../helpers/hostile.js";
import { startServer } from "./harness.js";

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once the port refuses connections: the close has got past its preClose hooks and stopped listening. */
async function untilRefused(port: number): Promise<void> {
  for (;;) {
    const refused = await new Promise<boolean>((resolve) => {
      const probe = connect(port, "127.0.0.1");
      probe.on("connect", () => (probe.destroy(), resolve(false)));
      probe.on("error", () => resolve(true));
    });
    if (refused) return;
    await pause(10);
  }
}

/** A raw connection and everything the server sends on it until it closes. */
function rawConnection(port: number): { socket: Socket; answered: Promise<string[]> } {
  const socket = connect(port, "127.0.0.1");
  let received = "";
  socket.on("data", (chunk: Buffer) => (received += chunk.toString("latin1")));
  const answered = new Promise<string[]>((resolve) => socket.on("close", () => resolve(received.split(/(?=HTTP\/1\.1 )/).filter(Boolean))));
  return { socket, answered };
}

describe("requests while the service shuts down (SIGTERM's close)", () => {
  it("one in flight is answered and stored, its client told to close; one that starts meanwhile gets a 503 in OpenAI's shape with Retry-After", async () => {
    const server = await startServer();
    const body = stepLine("step_Shutdown");
    // An ingest in flight (half its body sent), and a health check whose request line has begun, when the close begins.
    const ingest = rawConnection(server.port);
    ingest.socket.write(`POST /v1/ingest HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 10)}`);
    const health = rawConnection(server.port);
    health.socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n");
    // Two round trips on another connection: the server has read what was sent before them (both requests have begun).
    for (let i = 0; i < 2; i++) expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const closed = server.close();
    await untilRefused(server.port);
    ingest.socket.write(body.slice(10));
    health.socket.write("\r\n");
    const [ingested, checked] = await Promise.all([ingest.answered, health.answered, closed]);

    expect(ingested).toHaveLength(1);
    expect(ingested![0]).toMatch(/^HTTP\/1\.1 200 [^]*\r\nconnection: close\r\n[^]*"appended":1/i);
    expect(checked).toHaveLength(1);
    const [head, json] = checked![0]!.split("\r\n\r\n");
    expect(head).toMatch(/^HTTP\/1\.1 503 /);
    expect(head).toMatch(/\r\nretry-after: 1(\r\n|$)/i);
    expect(head).toMatch(/\r\nx-request-id: [0-9a-f-]{36}(\r\n|$)/i);
    expect(JSON.parse(json!)).toEqual({ error: { message: "the service is shutting down: nothing was stored; retry", type: "server_error", param: null, code: null } });
  });
});
