// Baseline for watch events: a bare Node HTTPS server that requires a client certificate signed by
// CA_FILE, reads the body and answers 200. Prints "listening <port>".
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';

const server = createServer(
  {
    key: readFileSync(process.env.KEY_FILE),
    cert: readFileSync(process.env.CERT_FILE),
    ca: readFileSync(process.env.CA_FILE),
    requestCert: true,
    rejectUnauthorized: true,
  },
  (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const cn = req.socket.getPeerCertificate()?.subject?.CN;
      res.writeHead(cn ? 200 : 401, { 'content-type': 'application/json' });
      res.end(cn ? '{"accepted":true}' : '{"error":"no client certificate"}');
    });
  },
);
server.keepAliveTimeout = 65000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => console.log(`listening ${server.address().port}`));
const stop = () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
