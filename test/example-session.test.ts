import { afterAll, beforeAll, describe, it } from 'vitest';
import { exampleSession, startPlatform, type TestPlatform } from '@blog/test-support';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startPlatform();
});
afterAll(() => platform?.close());

describe('the example session of the API contract', () => {
  it('signs up, signs in, posts, reads, searches and finds the post by author name', async () => {
    await exampleSession(platform.api);
  });
});
