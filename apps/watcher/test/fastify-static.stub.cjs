// Stand-in for @fastify/static under jest (see jest.config.mjs): serves nothing.
module.exports = async function fastifyStaticStub() {};
