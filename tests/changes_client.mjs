// Reads the change feed with the LDES client (npm "ldes-client", pinned in package-lock.json) and prints
// every member it emits as one JSON line: node tests/changes_client.mjs <root URL> [<state folder>]
// With a state folder the client saves what it has seen there and, run again, resumes from it: it emits
// only members it has not emitted before. Each line: {"id", "timestamp", "isVersionOf"}.
import { replicateLDES, intoConfig } from "ldes-client";

async function main() {
  const [url, statePath] = process.argv.slice(2);
  const config = { url, concurrentFetches: 2 };
  if (statePath) config.statePath = statePath;
  const client = replicateLDES(intoConfig(config));
  const reader = client.stream({ highWaterMark: 10 }).getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const timestamp = value.timestamp instanceof Date ? value.timestamp.toISOString() : value.timestamp;
    const line = { id: value.id.value, timestamp: timestamp ?? null, isVersionOf: value.isVersionOf ?? null };
    process.stdout.write(JSON.stringify(line) + "\n");
  }
}

main().catch((error) => {
  process.stderr.write(`${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
