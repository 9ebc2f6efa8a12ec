/** The baseline: the W1 and W2 logic in a bare Fastify handler, nothing stored. */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/healthz', async () => ({ status: 'ok' }));
app.post('/hooks/bench-w1', async (request) => {
  const { id, amount, email } = request.body;
  const result = { id, amount, total: amount * 1.2, email: String(email).toUpperCase() };
  return { ...result, tier: result.total > 100 ? 'gold' : 'basic' };
});
app.post('/hooks/bench-w2', async (request) => {
  let { count } = request.body;
  for (let i = 0; i < 10; i++) count += 1;
  return { count };
});
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
