// Benchmark: the validate-time PromQL check (schema/promql.ts, Prometheus' lezer grammar) on a
// typical SLO query, per query. Run: node --import tsx bench/spec/promql-parse.ts
import { promqlError } from "../../schema/promql.ts";

const query = 'sum(rate(http_requests_total{job="app",code=~"5.."}[999999999s]))';
for (let i = 0; i < 2000; i++) promqlError(query); // warm up the JIT
const runs = 20_000;
const start = process.hrtime.bigint();
for (let i = 0; i < runs; i++) promqlError(query);
const perQuery = Number(process.hrtime.bigint() - start) / 1e3 / runs;
console.log(`${query.length}-character query: ${perQuery.toFixed(1)} µs per promqlError (${runs} runs)`);
