import { readFileSync } from "node:fs";
import net, { type AddressInfo } from "node:net";
import { join } from "node:path";
import tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, stepstore } from "../helpers/cli.js";

const FIXTURES = join(ROOT, "test/fixtures");

/**
 * The start of a PostgreSQL server with TLS and a self-signed certificate: it answers the SSLRequest with `S`, counts
 * the TLS handshakes that complete, then hangs up (no PostgreSQL behind it: each command then fails to connect).
 */
function selfSignedServer() {
  const [key, cert] = [readFileSync(join(FIXTURES, "selfSigned.key.pem")), readFileSync(join(FIXTURES, "selfSigned.cert.pem"))];
  const state = { handshakes: 0 };
  const server = net.createServer((socket) => {
    socket.on("error", () => {});
    socket.once("data", () => {
      socket.write("S");
      const secure = new tls.TLSSocket(socket, { isServer: true, key, cert });
      secure.on("secure", () => (state.handshakes++, secure.destroy()));
      secure.on("error", () => socket.destroy());
    });
  });
  return { server, state };
}

describe("a store URL's sslmode, as libpq means it, against a server whose certificate is self-signed", () => {
  const { server, state } = selfSignedServer();
  let port = 0;
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("require, prefer and pg's no-verify encrypt without checking it; verify-full refuses it; none prints pg's warning", async () => {
    const tried = async (mode: string) => {
      const before = state.handshakes;
      const result = await stepstore(["status", "--db", `postgres://u@127.0.0.1:${port}/db?sslmode=${mode}`], { subprocess: true });
      return { mode, code: result.code, handshake: state.handshakes > before, certificateRefused: result.stderr.includes("self-signed certificate"), warned: result.stderr.includes("WARNING") };
    };
    const results = [];
    for (const mode of ["require", "prefer", "no-verify", "verify-full"]) results.push(await tried(mode));
    expect(results).toEqual([
      { mode: "require", code: 1, handshake: true, certificateRefused: false, warned: false },
      { mode: "prefer", code: 1, handshake: true, certificateRefused: false, warned: false },
      { mode: "no-verify", code: 1, handshake: true, certificateRefused: false, warned: false },
      { mode: "verify-full", code: 1, handshake: false, certificateRefused: true, warned: false },
    ]);
  });
});
