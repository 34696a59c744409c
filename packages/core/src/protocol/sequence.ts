/**
 * Checks the numbering of the frames arriving on one connection. WebSocket delivers in order, so a gap
 * means something between the two ends lost or reordered a frame: the connection can no longer be trusted
 * and must be restarted. A repeated number is a duplicate and is skipped.
 */
export class FrameSequence {
  #last = 0;

  /** 'next' to process the frame, 'duplicate' to skip it, 'gap' to drop the connection. */
  accept(seq: number): 'next' | 'duplicate' | 'gap' {
    if (seq <= this.#last) return 'duplicate';
    if (seq !== this.#last + 1) return 'gap';
    this.#last = seq;
    return 'next';
  }
}
