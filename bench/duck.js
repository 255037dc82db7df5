// duck.js - runs SQL statements in DuckDB (@duckdb/node-api from npm), for
// bench/run's high-cardinality rows.  Not a dependency of mr: bench/run
// installs the package under bench/data/duckdb when it runs and points
// NODE_PATH there.
//
//   NODE_PATH=.../node_modules node bench/duck.js 'SET threads=2' 'COPY (...) TO ...' ...
'use strict';
const { DuckDBInstance } = require('@duckdb/node-api');

(async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    for (const sql of process.argv.slice(2))
        await connection.run(sql);
    connection.closeSync();
})().catch((e) => {
    console.error(`duck.js: ${e.message}`);
    process.exit(1);
});
