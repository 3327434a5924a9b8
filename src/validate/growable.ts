/** A Float64Array that grows by doubling: values kept per row or per column. */
export class GrowableF64 {
  data = new Float64Array(1024);
  length = 0;

  push(v: number): void {
    if (this.length === this.data.length) this.grow(this.length + 1);
    this.data[this.length++] = v;
  }

  grow(min: number): void {
    let cap = this.data.length;
    while (cap < min) cap *= 2;
    const next = new Float64Array(cap);
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }

  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}
