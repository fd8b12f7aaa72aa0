import { describe, expect, it } from 'vitest';
import { IMAGES_PER_REQUEST, parseProductCreate, parseProductUpdate } from '../../src/contract/product-body.js';

const LIMIT = `Images has too many sources for one request (maximum is ${IMAGES_PER_REQUEST} images with a src; send the rest in another request)`;
const withSrc = (n: number) => Array.from({ length: n }, (_, i) => ({ src: `https://img.example.com/${i}.jpg` }));
const kept = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` }));
const messagesOf = (read: () => unknown) => {
  try {
    read();
    return [];
  } catch (error) {
    return (error as { messages: string[] }).messages;
  }
};

describe('the per-request image limit', () => {
  it('takes 50 images with a src in a create and refuses 51 with one message naming the limit', () => {
    expect(parseProductCreate({ product: { title: 'T', images: withSrc(IMAGES_PER_REQUEST) } }).images).toHaveLength(50);
    expect(messagesOf(() => parseProductCreate({ product: { title: 'T', images: withSrc(51) } }))).toEqual([LIMIT]);
  });

  it('keeps the platform message for more than 250 entries', () => {
    expect(messagesOf(() => parseProductCreate({ product: { title: 'T', images: withSrc(251) } }))).toEqual(['Images is too long (maximum is 250 images)']);
  });

  it('counts only entries bringing a src in an update: a gallery of 200 kept images and 50 new ones is taken', () => {
    expect(parseProductUpdate({ product: { images: [...kept(200), ...withSrc(50)] } }).images).toHaveLength(250);
    expect(messagesOf(() => parseProductUpdate({ product: { images: [...kept(10), ...withSrc(51)] } }))).toEqual([LIMIT]);
  });
});
