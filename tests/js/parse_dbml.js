// Parse DBML files with @dbml/core (the parser behind dbdiagram.io); one JSON line per file.
//   node parse_dbml.js a.dbml   -> {"file": "a.dbml", "ok": true, "tables": 12, "refs": 30}
// Exit status 1 when any file fails to parse.
const { readFileSync } = require("node:fs");
const { Parser } = require("@dbml/core");

function describe(error) {
  if (error && Array.isArray(error.diags)) {
    return error.diags.map((d) => `${d.message} at ${d.location && d.location.start ? d.location.start.line + ":" + d.location.start.column : "?"}`).join("; ");
  }
  return String((error && error.message) || error);
}

let failed = 0;
for (const file of process.argv.slice(2)) {
  try {
    const database = Parser.parse(readFileSync(file, "utf8"), "dbml");
    const schemas = database.schemas || [];
    const tables = schemas.reduce((n, s) => n + s.tables.length, 0);
    const refs = schemas.reduce((n, s) => n + s.refs.length, 0);
    console.log(JSON.stringify({ file, ok: true, tables, refs }));
  } catch (error) {
    failed += 1;
    console.log(JSON.stringify({ file, ok: false, error: describe(error).slice(0, 2000) }));
  }
}
process.exit(failed ? 1 : 0);
