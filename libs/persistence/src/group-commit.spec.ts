import { GroupCommit } from './group-commit.js';

describe('GroupCommit', () => {
  it('writes the first item at once and what arrives meanwhile as one batch', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const sut = new GroupCommit<number>(async (items) => {
      batches.push(items);
      if (batches.length === 1) await new Promise<void>((r) => (release = r));
    });
    const first = sut.add(1);
    const rest = [2, 3, 4].map((n) => sut.add(n));
    expect(batches).toEqual([[1]]);
    release();
    await Promise.all([first, ...rest]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('settles a caller only after its batch is written', async () => {
    const written: number[] = [];
    const sut = new GroupCommit<number>(async (items) => {
      await new Promise((r) => setTimeout(r, 5));
      written.push(...items);
    });
    await sut.add(7);
    expect(written).toEqual([7]);
  });

  it('rejects the callers of a failed batch and keeps serving the next ones', async () => {
    let fail = true;
    const sut = new GroupCommit<number>(async () => {
      if (fail) {
        fail = false;
        throw new Error('disk full');
      }
    });
    await expect(sut.add(1)).rejects.toThrow('disk full');
    await expect(sut.add(2)).resolves.toBeUndefined();
  });

  it('splits large backlogs into batches of at most maxBatch', async () => {
    const sizes: number[] = [];
    let release!: () => void;
    const sut = new GroupCommit<number>(async (items) => {
      sizes.push(items.length);
      if (sizes.length === 1) await new Promise<void>((r) => (release = r));
    }, 2);
    const all = [1, 2, 3, 4, 5, 6].map((n) => sut.add(n));
    release();
    await Promise.all(all);
    expect(sizes).toEqual([1, 2, 2, 1]);
  });
});
