import { Emitter } from './emitter';

describe(Emitter.name, () => {
  it('calls each listener of an event in order; one that throws neither stops the others nor the SDK', () => {
    const failures: unknown[] = [];
    const sut = new Emitter<{ tick: number }>((err) => failures.push(err));
    const heard: string[] = [];
    sut.on('tick', (n) => heard.push(`a${n}`));
    sut.on('tick', () => {
      throw new Error('app bug');
    });
    const off = sut.on('tick', (n) => heard.push(`c${n}`));
    sut.emit('tick', 1);
    off();
    sut.emit('tick', 2);
    expect(heard).toEqual(['a1', 'c1', 'a2']);
    expect(failures).toHaveLength(2);
  });
});
