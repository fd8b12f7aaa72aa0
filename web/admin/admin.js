// The admin page: plain ES module, no framework. It talks to the server over HTTP only, through the
// JSON endpoints whose root the server names in the page (meta prodimg-admin-api, from ADMIN_API in
// src/server/admin/admin-api.ts); the session is an HttpOnly cookie this script never sees,
// and every change carries the session's CSRF token. Views follow the URL's hash so the back button
// and links (such as an audit problem's link to its fix) work.

const API = document.querySelector('meta[name="prodimg-admin-api"]').content;
const $ = (id) => document.getElementById(id);
let csrfToken = '';

class ApiError extends Error {
  constructor(status, messages) {
    super(messages.join('; '));
    this.status = status;
  }
}

async function call(method, path, body, headers = {}) {
  const init = { method, headers: { ...headers }, credentials: 'same-origin' };
  if (method !== 'GET') init.headers['x-csrf-token'] = csrfToken;
  if (body !== undefined && !(body instanceof Blob)) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  } else if (body !== undefined) {
    init.body = body;
  }
  const response = await fetch(API + path, init);
  if (response.status === 401 && path !== '/session') {
    showSignIn();
    throw new ApiError(401, ['Your session has ended; sign in again.']);
  }
  const text = await response.text();
  const json = text ? JSON.parse(text) : {};
  if (!response.ok) throw new ApiError(response.status, json.errors ?? [`The server answered ${response.status}`]);
  return json;
}

/** Polite announcements for screen readers (moves, saves, deletions). */
function announce(message) {
  const region = $('announcer');
  region.textContent = '';
  // A fresh text node after clearing makes repeated identical messages heard again.
  requestAnimationFrame(() => { region.textContent = message; });
}

/** `1 error`, `2 errors`: a count with its noun, singular for one. */
function counted(count, noun) {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === undefined || value === null) continue;
    if (name === 'text') node.textContent = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : value);
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

const VIEWS = ['sign-in-view', 'stores-view', 'products-view', 'gallery-view', 'error-view'];
function show(view, heading, crumbs) {
  $('loading').hidden = true;
  for (const id of VIEWS) $(id).hidden = id !== view;
  $('view-heading').textContent = heading;
  document.title = `${heading} – prodimg admin`;
  $('sign-out').hidden = view === 'sign-in-view';
  $('crumbs').replaceChildren(...crumbs.map(([label, href]) => el('li', {}, href ? el('a', { href, text: label }) : el('span', { 'aria-current': 'page', text: label }))));
}

function showSignIn() {
  show('sign-in-view', 'Sign in', []);
  $('admin-key').focus();
}

// --- Sign-in and sign-out ---

$('sign-in-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('sign-in-error').textContent = '';
  const key = $('admin-key').value;
  if (!key.trim()) {
    $('sign-in-error').textContent = 'Enter your admin key.';
    return;
  }
  try {
    csrfToken = (await call('POST', '/session', { key })).csrf_token;
    $('admin-key').value = '';
    await route(true);
  } catch (error) {
    $('sign-in-error').textContent = error.status === 401 ? 'That admin key is not valid (or was revoked).' : error.message;
    $('admin-key').focus();
  }
});

$('sign-out').addEventListener('click', async () => {
  await call('DELETE', '/session').catch(() => undefined);
  csrfToken = '';
  location.hash = '';
  showSignIn();
  announce('Signed out.');
});

// --- Views ---

async function storesView() {
  const { stores } = await call('GET', '/stores');
  show('stores-view', 'Stores', [['Stores']]);
  $('store-list').replaceChildren(
    ...stores.map((store) => el('li', {}, el('a', { href: `#/stores/${store.id}`, text: `${store.name} (${store.subdomain})` }), store.active ? null : ' – inactive')),
  );
  if (stores.length === 0) $('store-list').append(el('li', { text: 'No stores yet: `prodimg shops create <subdomain>` makes one.' }));
}

async function productsView(shop, params) {
  const query = new URLSearchParams();
  for (const name of ['title', 'cursor', 'pre_cursor']) if (params.get(name)) query.set(name, params.get(name));
  const page = await call('GET', `/stores/${shop}/products?${query}`);
  show('products-view', `Products of ${page.store.name}`, [['Stores', '#/'], [page.store.name]]);
  $('title-search').value = params.get('title') ?? '';
  $('product-list').replaceChildren(
    ...page.products.map((product) => el('li', {}, el('a', { href: `#/stores/${shop}/products/${product.id}`, text: product.title || '(untitled)' }), ` – ${counted(product.images, 'image')}`)),
  );
  if (page.products.length === 0) $('product-list').append(el('li', { text: 'No products match.' }));
  const pageLink = (id, name, cursor) => {
    const link = $(id);
    link.hidden = !cursor;
    const next = new URLSearchParams(params.get('title') ? { title: params.get('title') } : {});
    next.set(name, cursor);
    link.href = `#/stores/${shop}/products?${next}`;
  };
  pageLink('prev-page', 'pre_cursor', page.pre_cursor);
  pageLink('next-page', 'cursor', page.cursor);
  showTransfer(shop);
  void storeAudit(shop);
}

/** The store-wide audit, worst first, each problem linking to its product's gallery; after the list, as it reads every file. */
async function storeAudit(shop) {
  $('store-audit-none').hidden = false;
  $('store-audit-none').textContent = 'Auditing the store…';
  $('store-audit-list').replaceChildren();
  const audit = await call('GET', `/stores/${shop}/audit`);
  if (location.hash.split('/')[2]?.split('?')[0] !== shop) return;
  $('store-audit-list').replaceChildren(...audit.problems.map((problem) => storeAuditItem(shop, problem)));
  const shown = audit.problems.length < audit.errors + audit.warnings ? ` (the first ${audit.problems.length} shown)` : '';
  $('store-audit-none').textContent = audit.problems.length > 0 ? `${counted(audit.errors, 'error')}, ${counted(audit.warnings, 'warning')}${shown}.` : 'No problems found.';
}

/**
 * One problem of the store's audit: which product (its title and a thumbnail, the link to its gallery)
 * and which image (its position), then the problem; the same words on every image would say nothing.
 */
function storeAuditItem(shop, problem) {
  const title = problem.product_title === null ? 'A deleted product' : problem.product_title || '(untitled)';
  const where = problem.image_position === null ? title : `${title}, image ${problem.image_position}`;
  // Decorative: the link beside it names the product and the image.
  const thumbnail = problem.thumbnail ? el('img', { class: 'audit-thumb', src: problem.thumbnail, alt: '', width: '48', height: '48' }) : el('span', { class: 'audit-thumb' });
  return el(
    'li',
    { class: `audit-entry severity-${problem.severity}` },
    thumbnail,
    el('span', {}, el('a', { href: `#/stores/${shop}/products/${problem.product_id}`, text: where }), `: ${problemText(problem)}`),
  );
}

$('product-search').addEventListener('submit', (event) => {
  event.preventDefault();
  const shop = location.hash.split('/')[2];
  const title = $('title-search').value.trim();
  location.hash = `#/stores/${shop}/products${title ? `?${new URLSearchParams({ title })}` : ''}`;
});

/** The product shown now: its store, id and last answer. */
let current = null;

async function galleryView(shop, productId) {
  const [productAnswer, storesAnswer] = await Promise.all([call('GET', `/stores/${shop}/products/${productId}`), call('GET', '/stores')]);
  const store = storesAnswer.stores.find((candidate) => candidate.id === shop);
  current = { shop, productId, ...productAnswer };
  show('gallery-view', productAnswer.product.title || '(untitled)', [['Stores', '#/'], [store?.name ?? 'Store', `#/stores/${shop}`], [productAnswer.product.title || '(untitled)']]);
  renderGallery();
}

async function reloadGallery() {
  Object.assign(current, await call('GET', `/stores/${current.shop}/products/${current.productId}`));
  renderGallery();
}

function formatBytes(bytes) {
  if (bytes === null) return 'not stored here';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function renderGallery() {
  const { images, variants } = current;
  $('gallery-empty').hidden = images.length > 0;
  $('gallery').replaceChildren(...images.map((image, index) => imageItem(image, index, images.length, variants)));
  // The audit's findings: the product's own, then each image's, each linking to where it is fixed.
  const problems = [
    ...current.problems.map((problem) => el('li', { class: `severity-${problem.severity}` }, problemText(problem))),
    ...images.flatMap((image) =>
      image.problems.map((problem) => el('li', { class: `severity-${problem.severity}` }, el('a', { href: `#image-${image.id}`, onclick: focusImage(image), text: `Image ${image.position}` }), ': ', problemText(problem))),
    ),
  ];
  $('audit-list').replaceChildren(...problems);
  $('audit-none').hidden = problems.length > 0;
}

function imageItem(image, index, count, variants) {
  const n = image.position;
  const label = `Image ${n}`;
  const item = el('li', { class: 'image', id: `image-${image.id}`, 'data-id': image.id, draggable: 'true', 'aria-labelledby': `image-title-${image.id}` });
  const altInput = el('input', { id: `alt-${image.id}`, type: 'text', value: image.alt });
  const altStatus = el('p', { class: 'error', role: 'alert', id: `alt-error-${image.id}` });
  const altForm = el(
    'form',
    { class: 'alt-form', onsubmit: (event) => saveAlt(event, image, altInput, altStatus) },
    el('label', { for: altInput.id, text: `Alt text for ${label.toLowerCase()}` }),
    altInput,
    el('button', { type: 'submit', text: 'Save alt text' }),
  );
  const move = (delta, text) =>
    el('button', { type: 'button', class: `move-${delta < 0 ? 'up' : 'down'}`, 'aria-label': `${text} ${label.toLowerCase()}`, disabled: delta < 0 ? index === 0 : index === count - 1, onclick: () => moveImage(image, n + delta, delta < 0 ? 'up' : 'down'), text });
  const linkable = variants.length > 0
    ? el(
        'fieldset',
        { class: 'variants' },
        el('legend', { text: `Variants showing ${label.toLowerCase()}` }),
        ...variants.map((variant) => {
          const box = el('input', { type: 'checkbox', id: `variant-${image.id}-${variant.id}`, checked: variant.image_id === image.id, onchange: (event) => linkVariant(variant, image, event.target.checked) });
          return el('label', { for: box.id }, box, ` ${variant.title}`);
        }),
      )
    : null;
  item.append(
    el('img', { class: 'thumb', src: image.thumbnail, alt: image.alt ? `${label}: ${image.alt}` : `${label} (no alt text)`, width: '160', height: '160', draggable: 'false' }),
    el(
      'div',
      {},
      el('h3', { id: `image-title-${image.id}`, text: label }),
      el(
        'dl',
        { class: 'facts' },
        fact('Size', formatBytes(image.bytes)),
        fact('Dimensions', image.width && image.height ? `${image.width} × ${image.height} px` : 'unknown'),
        fact('Format', image.format ? image.format.toUpperCase() : 'unknown'),
        fact('File', el('a', { href: image.src, text: 'open full size' })),
      ),
      el('ul', { class: 'problems', 'aria-label': `Audit problems of ${label.toLowerCase()}` }, ...image.problems.map((problem) => el('li', { class: `severity-${problem.severity}` }, problemText(problem)))),
      altForm,
      altStatus,
      el(
        'div',
        { class: 'actions' },
        move(-1, 'Move up'),
        move(1, 'Move down'),
        el('button', { type: 'button', class: 'delete', 'aria-label': `Delete ${label.toLowerCase()}`, onclick: () => deleteImage(image), text: 'Delete' }),
      ),
      linkable,
    ),
  );
  dragAndDrop(item, image);
  return item;
}

/** "Error: The image has no alt text. Fix: ...", with the code for those who search the docs. */
function problemText(problem) {
  return `${problem.severity === 'error' ? 'Error' : 'Warning'}: ${problem.message} Fix: ${problem.fix} (${problem.code})`;
}

/** A link to an image of the gallery moves the focus to its alt text, where most fixes start. */
function focusImage(image) {
  return (event) => {
    event.preventDefault();
    $(`alt-${image.id}`)?.focus();
  };
}

function fact(term, value) {
  return el('div', {}, el('dt', { text: term }), el('dd', {}, value));
}

// --- Import and export ---

/** The import the page follows: its store and id, and the timer of its next poll. */
let importing = null;
const POLL_MS = 500;

function showTransfer(shop) {
  // Downloads: the server names the file (Content-Disposition).
  for (const format of ['csv', 'jsonl']) $(`export-${format}`).href = `${API}/stores/${shop}/export?format=${format}`;
  // Another store's import keeps running on the server; its progress is not shown here.
  if (importing && importing.shop !== shop) {
    clearTimeout(importing.timer);
    importing = null;
    $('import-status').hidden = true;
  }
}

/** The format the server is told: from the file's name, else its type. */
function importFormat(file) {
  if (/\.csv$/i.test(file.name)) return 'csv';
  if (/\.(jsonl|ndjson)$/i.test(file.name)) return 'jsonl';
  return null;
}

$('import-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('import-error').textContent = '';
  const file = $('import-file').files[0];
  if (!file) {
    $('import-error').textContent = 'Choose a file first.';
    return;
  }
  const shop = location.hash.split('/')[2]?.split('?')[0];
  const format = importFormat(file);
  $('import-button').disabled = true;
  try {
    const job = await call('POST', `/stores/${shop}/imports${format ? `?format=${format}` : ''}`, file, { 'content-type': file.type || 'application/octet-stream' });
    event.target.reset();
    announce(`Import of ${file.name} started.`);
    importing = { shop, id: job.id, name: file.name, timer: 0 };
    showImport(job);
  } catch (error) {
    $('import-error').textContent = `The file was not imported: ${error.message}`;
    $('import-button').disabled = false;
  }
});

function showImport(job) {
  const { shop, id, name } = importing;
  $('import-status').hidden = false;
  const bar = $('import-progress');
  // Indeterminate while the file is read through and its products counted.
  if (job.total > 0) {
    bar.max = job.total;
    bar.value = job.done;
  } else if (job.state === 'running') bar.removeAttribute('value');
  else bar.value = bar.max;
  const counts = `${job.done}/${job.total} products, ${job.failed} failed`;
  const report = $('import-report');
  report.hidden = !job.report;
  if (job.report) report.href = `${API}/stores/${shop}/imports/${id}/report`;
  if (job.state === 'running') {
    $('import-progress-text').textContent = job.total > 0 ? `Importing ${name}: ${counts}.` : `Reading ${name}…`;
    importing.timer = setTimeout(() => pollImport(), POLL_MS);
    return;
  }
  $('import-button').disabled = false;
  // A file refused as a whole (no Handle column, not JSON Lines) is an error to read, not a finished bar.
  if (job.state === 'failed') {
    $('import-status').hidden = true;
    $('import-error').textContent = `Import of ${name} failed: ${job.message}`;
    return;
  }
  const resumed = job.resumed > 0 ? ` (${job.resumed} done by an earlier run of the same file)` : '';
  const text = {
    finished: `Import of ${name} finished: ${job.created} created, ${job.updated} updated, ${job.failed} failed${resumed}.${job.failed_rows > 0 ? ` The report lists ${counted(job.failed_rows, 'failed row')}.` : ''}`,
    stopped: `Import of ${name} stopped at ${counts}: ${job.message}`,
  }[job.state];
  $('import-progress-text').textContent = text;
  // The store's list shows what the import made.
  if (job.state === 'finished' && !$('products-view').hidden && location.hash.split('/')[2]?.split('?')[0] === shop) void route();
}

async function pollImport() {
  if (!importing) return;
  const { shop, id } = importing;
  try {
    const job = await call('GET', `/stores/${shop}/imports/${id}`);
    if (importing?.id === id) showImport(job);
  } catch (error) {
    if (importing?.id !== id) return;
    $('import-progress-text').textContent = `The import's progress is not known: ${error.message}`;
    $('import-button').disabled = false;
  }
}

// --- Changes ---

async function moveImage(image, position, direction) {
  try {
    await call('PUT', `/stores/${current.shop}/products/${current.productId}/images/${image.id}`, { position });
    await reloadGallery();
    announce(`Image ${image.position} moved to position ${position}.`);
    // Focus stays with the moved image: on the same button, or the other one once at an end.
    const item = $(`image-${image.id}`);
    const same = item.querySelector(`.move-${direction}`);
    (same.disabled ? item.querySelector(`.move-${direction === 'up' ? 'down' : 'up'}`) : same).focus();
  } catch (error) {
    announce(`The move failed: ${error.message}`);
  }
}

function dragAndDrop(item, image) {
  item.addEventListener('dragstart', (event) => {
    event.dataTransfer.setData('text/plain', image.id);
    event.dataTransfer.effectAllowed = 'move';
    item.classList.add('dragging');
  });
  item.addEventListener('dragend', () => item.classList.remove('dragging'));
  item.addEventListener('dragover', (event) => {
    event.preventDefault();
    event.dataTransfer.dropEffect = 'move';
    item.classList.add('drop-target');
  });
  item.addEventListener('dragleave', () => item.classList.remove('drop-target'));
  item.addEventListener('drop', async (event) => {
    event.preventDefault();
    item.classList.remove('drop-target');
    const dragged = current.images.find((candidate) => candidate.id === event.dataTransfer.getData('text/plain'));
    if (!dragged || dragged.id === image.id) return;
    try {
      await call('PUT', `/stores/${current.shop}/products/${current.productId}/images/${dragged.id}`, { position: image.position });
      await reloadGallery();
      announce(`Image ${dragged.position} moved to position ${image.position}.`);
      $(`image-${dragged.id}`).querySelector('.move-up:not([disabled]), .move-down:not([disabled])')?.focus();
    } catch (error) {
      announce(`The move failed: ${error.message}`);
    }
  });
}

async function saveAlt(event, image, input, status) {
  event.preventDefault();
  status.textContent = '';
  try {
    await call('PUT', `/stores/${current.shop}/products/${current.productId}/images/${image.id}`, { alt: input.value });
    await reloadGallery();
    announce(`Alt text of image ${image.position} saved.`);
    $(`alt-${image.id}`).focus();
  } catch (error) {
    status.textContent = error.message;
  }
}

async function deleteImage(image) {
  const dialog = $('confirm-delete');
  $('confirm-delete-text').textContent = `Delete image ${image.position}${image.alt ? ` (${image.alt})` : ''}? This cannot be undone.`;
  dialog.returnValue = '';
  dialog.showModal();
  $('confirm-cancel').focus();
  await new Promise((resolve) => dialog.addEventListener('close', resolve, { once: true }));
  if (dialog.returnValue !== 'delete') {
    $(`image-${image.id}`)?.querySelector('.delete')?.focus();
    return;
  }
  try {
    await call('DELETE', `/stores/${current.shop}/products/${current.productId}/images/${image.id}`);
    await reloadGallery();
    announce(`Image ${image.position} deleted.`);
    $('gallery-heading').setAttribute('tabindex', '-1');
    $('gallery-heading').focus();
  } catch (error) {
    announce(`The image was not deleted: ${error.message}`);
  }
}

async function linkVariant(variant, image, linked) {
  try {
    await call('PUT', `/stores/${current.shop}/products/${current.productId}/variants/${variant.id}`, { image_id: linked ? image.id : '' });
    await reloadGallery();
    announce(linked ? `Variant ${variant.title} now shows image ${image.position}.` : `Variant ${variant.title} no longer shows image ${image.position}.`);
    $(`variant-${image.id}-${variant.id}`)?.focus();
  } catch (error) {
    announce(`The variant was not changed: ${error.message}`);
  }
}

$('add-url-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('add-url-error').textContent = '';
  try {
    await call('POST', `/stores/${current.shop}/products/${current.productId}/images`, { src: $('add-url').value, alt: $('add-url-alt').value });
    event.target.reset();
    await reloadGallery();
    announce(`Image added at position ${current.images.length}.`);
  } catch (error) {
    $('add-url-error').textContent = `The image was not added: ${error.message}`;
  }
});

$('upload-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('upload-error').textContent = '';
  const file = $('upload-file').files[0];
  if (!file) {
    $('upload-error').textContent = 'Choose a file first.';
    return;
  }
  try {
    const alt = new URLSearchParams({ alt: $('upload-alt').value });
    await call('POST', `/stores/${current.shop}/products/${current.productId}/uploads?${alt}`, file, { 'content-type': file.type || 'application/octet-stream' });
    event.target.reset();
    await reloadGallery();
    announce(`Image uploaded at position ${current.images.length}.`);
  } catch (error) {
    $('upload-error').textContent = `The file was not added: ${error.message}`;
  }
});

// --- Routing ---

async function route(focusMain = false) {
  const [path, search = ''] = location.hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean);
  const params = new URLSearchParams(search);
  try {
    if (parts[0] === 'stores' && parts[1] && parts[2] === 'products' && parts[3]) await galleryView(parts[1], parts[3]);
    else if (parts[0] === 'stores' && parts[1]) await productsView(parts[1], params);
    else await storesView();
    if (focusMain) $('main').focus();
  } catch (error) {
    if (error.status === 404) {
      // A hand-typed or stale address: a malformed id and an unknown one alike name nothing.
      show('error-view', 'Not found', [['Stores', '#/'], ['Not found']]);
      $('error-text').textContent = 'Not found: no store or product has the id in this address.';
    } else if (error.status !== 401) {
      show('error-view', 'Something went wrong', [['Stores', '#/']]);
      $('error-text').textContent = error.message;
    }
  }
}

window.addEventListener('hashchange', () => route(true));

async function start() {
  try {
    csrfToken = (await call('GET', '/session')).csrf_token;
  } catch {
    return showSignIn();
  }
  await route();
}

start();
