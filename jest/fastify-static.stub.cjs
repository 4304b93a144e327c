// Stand-in for @fastify/static under jest: the OpenAPI UI loads it, and it requires an ESM-only
// package that jest's CommonJS loader cannot load on Node 20 or 22 (it can on 24). Tests need no
// docs assets.
module.exports = async function fastifyStaticStub() {};
