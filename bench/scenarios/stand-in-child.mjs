// One process of scenario 8: times prodimg's stand-in mode from a fresh process, as an app's test
// file meets it. Prints one JSON line: the first start (import included), later starts with the
// 20-product seed, and resets.
const started = performance.now();
const { startProdimg } = await import(new URL('../../dist/index.js', import.meta.url).href);

const SEED = {
  shops: ['alpha', 'beta'].map((subdomain) => ({
    subdomain,
    tokens: [{ token: `${subdomain}-bench-token` }],
    products: Array.from({ length: 10 }, (_, i) => ({
      title: `Product ${i}`,
      images: Array.from({ length: 3 }, (_, k) => ({ src: `https://cdn.example.com/${subdomain}/${i}/${k}.jpg`, width: 800, height: 600 })),
      options: [{ name: 'Size', values: ['S', 'M'] }],
      variants: [{ option1: 'S', price: '10.00' }, { option1: 'M', price: '12.00' }],
    })),
  })),
};

// The first start of a test file: the default seed (one store, one token), module loading included.
const first = await startProdimg();
const firstStartMs = performance.now() - started;
await first.close();

const laterStartMs = [];
for (let i = 0; i < 10; i++) {
  const t = performance.now();
  const server = await startProdimg({ seed: SEED });
  laterStartMs.push(performance.now() - t);
  await server.close();
}

const server = await startProdimg({ seed: SEED });
const call = async (method, path, body) => {
  const res = await fetch(`${server.url}/openapi/2022-01${path}`, {
    method,
    headers: { 'Access-Token': 'alpha-bench-token', 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status !== 200) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
};
const resetMs = [];
for (let round = 0; round < 30; round++) {
  // What a test does before the next one resets: a few writes.
  const { products } = await call('GET', '/products');
  const product = products[round % products.length];
  await call('POST', '/products', { product: { title: `New ${round}`, images: [{ src: 'https://cdn.example.com/new.jpg' }] } });
  await call('PUT', `/products/${product.id}`, { product: { title: `Renamed ${round}` } });
  await call('DELETE', `/products/${product.id}/images/${product.images[0].id}`);
  const t = performance.now();
  await server.reset();
  resetMs.push(performance.now() - t);
}
const { count } = await call('GET', '/products/count');
await server.close();
process.stdout.write(`${JSON.stringify({ firstStartMs, laterStartMs, resetMs, countAfterReset: count })}\n`);
