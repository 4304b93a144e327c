// Baseline for the REST read: a bare Fastify route doing the same indexed Postgres read as ECR's
// GET /endpoints/{endpointId}/app-versions/{appVersionName} (the unique (endpoint_id,
// app_version_name, name) index), no auth. Prints "listening <port>".
import Fastify from 'fastify';
import pg from 'pg';

const schema = process.env.SCHEMA;
if (!schema) throw new Error('SCHEMA is required');
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.POOL_SIZE ?? 10) });
const table = `${pg.escapeIdentifier(schema)}.endpoint_config`;
const sql = `SELECT config_id, name, config, created_date, updated_date FROM ${table} WHERE endpoint_id = $1 AND app_version_name = $2 AND name = $3`;

const app = Fastify({ logger: false });
app.get('/api/v1/endpoints/:endpointId/app-versions/:appVersionName', async (req, reply) => {
  const { endpointId, appVersionName } = req.params;
  const { rows } = await pool.query({ name: 'read', text: sql, values: [endpointId, appVersionName, req.query.name ?? 'default'] });
  if (rows.length === 0) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: 'no config' });
  const row = rows[0];
  reply.header('etag', `"${row.config_id}"`);
  return { configId: row.config_id, name: row.name, config: row.config, createdDate: row.created_date, updatedDate: row.updated_date };
});
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
console.log(`listening ${app.server.address().port}`);
const stop = () => app.close().then(() => pool.end()).finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
