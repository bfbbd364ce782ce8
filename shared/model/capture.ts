// What a capture as a whole says about its calls (diagnosis.md §1 "capture coverage"):
// when the recording really ran, and whether media could have been captured at all. The
// classifier reads it beside each call's facts; it belongs to the source, not the call,
// because it is only known once the whole file has been read.

/** When the recording ran: from the pcapng ISB when it agrees with the packets, else first → last packet. */
export interface CaptureWindow {
  startUs: number;
  endUs: number;
  from: 'isb' | 'packets';
}

export interface CaptureCoverage {
  window: CaptureWindow | null;
  /** The capture filter the file recorded (pcapng if_filter; several interfaces joined by " | "), null when none. */
  filter: string | null;
  /**
   * Signalling-only: the recorded filter excludes the media ports ('filter'), or no filter
   * was recorded and no call carried RTP or RTCP ('no_rtp'). Then missing media is no
   * evidence of a media problem (§3 rule 8).
   */
  signallingOnly: boolean;
  signallingOnlyWhy: 'filter' | 'no_rtp' | null;
}
