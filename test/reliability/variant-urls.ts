/** `count` different variant URLs of `name`: every preset size by width, height and box, crop or not, in several formats. */
export function variantUrls(name: string, count: number): string[] {
  const sizes = [100, 160, 240, 320, 400, 480, 600, 800, 1024, 1200, 1600, 2048];
  const boxes = [...sizes.map((w) => `${w}x`), ...sizes.map((h) => `x${h}`), ...sizes.flatMap((w) => sizes.map((h) => `${w}x${h}`))];
  const urls: string[] = [];
  for (const format of ['jpeg', 'webp', 'png']) {
    for (const box of boxes) {
      for (const crop of box.includes('x') && !box.startsWith('x') && !box.endsWith('x') ? ['', '&crop=center'] : ['']) {
        urls.push(`/cdn/${name.replace('.', `_${box}.`)}?format=${format}${crop}`);
      }
    }
  }
  // Interleave so each part of the burst asks for a different size and format.
  const step = 7;
  const picked: string[] = [];
  for (let i = 0; picked.length < Math.min(count, urls.length); i += step) picked.push(urls[i % urls.length]!);
  return [...new Set(picked)].length === picked.length ? picked : urls.slice(0, count);
}
