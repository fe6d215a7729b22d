// A client on the TypeScript SDK: launches the command given after the
// script's name over stdio, lists the tools, makes the calls given as JSON
// on stdin ([{"name": ..., "arguments": {...}}, ...]) and prints
// {"tools": [names], "results": [CallToolResult or {"protocolError": msg}]}.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { readFileSync } from "node:fs";

const [command, ...args] = process.argv.slice(2);
const calls = JSON.parse(readFileSync(0, "utf8"));
const transport = new StdioClientTransport({ command, args, stderr: "inherit" });
const client = new Client({ name: "ts-sdk-client", version: "1.0.0" });
await client.connect(transport);
const { tools } = await client.listTools();
const results = [];
for (const c of calls) {
  try {
    results.push(await client.callTool(c));
  } catch (e) {
    results.push({ protocolError: String(e && e.message || e) });
  }
}
await client.close();
console.log(JSON.stringify({ tools: tools.map((t) => t.name), results }));
