/** What crossed a client's WebSocket(s): payload bytes and frames, both ways. */
export interface WireCounts {
  bytesReceived: number;
  framesReceived: number;
  bytesSent: number;
  framesSent: number;
}

export function emptyWireCounts(): WireCounts {
  return { bytesReceived: 0, framesReceived: 0, bytesSent: 0, framesSent: 0 };
}

/** What was counted since `before` was taken (a copy of `counts`). */
export function wireSince(counts: WireCounts, before: WireCounts): WireCounts {
  return {
    bytesReceived: counts.bytesReceived - before.bytesReceived,
    framesReceived: counts.framesReceived - before.framesReceived,
    bytesSent: counts.bytesSent - before.bytesSent,
    framesSent: counts.framesSent - before.framesSent,
  };
}
