// One POST of a load generator: node:http on the agent's kept-alive sockets (fetch costs a generator
// about twice the CPU, which on two cores is taken from the server under test).
import http from "node:http";

/** Resolves with the answer's status and text; rejects when the request or the answer fails. */
export function postText(agent: http.Agent, base: URL, path: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        agent,
        host: base.hostname,
        port: base.port,
        method: "POST",
        path,
        headers: { "content-type": "text/xml", "content-length": Buffer.byteLength(body) },
      },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (text += chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, text }));
        response.on("error", reject);
      },
    );
    request.on("error", reject);
    request.end(body);
  });
}
