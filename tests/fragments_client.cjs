// Runs one SPARQL query with Comunica over a Quad Pattern Fragments interface and prints its rows as JSON:
// node tests/fragments_client.cjs <fragments URL> <query file>
// Each row is an object of variable name to the term in N-Triples form (blank nodes as "_:"), for the test to
// compare with what /sparql answers.
"use strict";
const fs = require("fs");
const { QueryEngine } = require("@comunica/query-sparql");

function written(term) {
  if (term.termType === "NamedNode") return `<${term.value}>`;
  if (term.termType === "BlankNode") return "_:";
  if (term.termType === "Literal") {
    const value = JSON.stringify(term.value);
    if (term.language) return `${value}@${term.language}`;
    return `${value}^^<${term.datatype.value}>`;
  }
  return String(term.value);
}

async function main() {
  const [url, file] = process.argv.slice(2);
  const query = fs.readFileSync(file, "utf8");
  const engine = new QueryEngine();
  const stream = await engine.queryBindings(query, { sources: [{ type: "qpf", value: url }] });
  const rows = [];
  for (const bindings of await stream.toArray()) {
    const row = {};
    for (const [variable, term] of bindings) row[variable.value] = written(term);
    rows.push(row);
  }
  process.stdout.write(JSON.stringify(rows) + "\n");
}

main().catch((error) => {
  process.stderr.write(`${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
