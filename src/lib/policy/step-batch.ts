// Step events to the page in batches. Every message to the page costs the worker a structured clone
// and the page a task (and, in the Playground, a redraw of G cards), and on a 2-core machine the page's
// work competes with the decoder for the same cores; cards need no more than a frame rate of updates.
// So steps collect here and go out at most every `intervalMs`, and never while the previous batch is
// unanswered: a busy page gets fewer, larger batches instead of a queue. The decoder never waits for
// the page; the page's answer (false = stop) is read at the next step.
import type { StepEvent } from './sampler';

export interface StepBatcher {
  /** The sampler's onStep: queues `e`, sends what is due; false once the page has asked to stop. */
  onStep(e: StepEvent): boolean | undefined;
  /** Sends what is left and settles every answer: the page has heard every step when it resolves. */
  flush(): Promise<void>;
}

export function batchSteps(send: (events: StepEvent[]) => unknown, intervalMs = 30, now = () => performance.now()): StepBatcher {
  let queued: StepEvent[] = [];
  let inFlight: Promise<void> | null = null;
  let lastSent = -Infinity;
  let stop = false;

  const sendQueued = (): void => {
    const batch = queued;
    queued = [];
    lastSent = now();
    const reply: Promise<void> = Promise.resolve()
      .then(() => send(batch))
      .then(
        (ok) => void (ok === false && (stop = true)),
        () => undefined, // a page that went away is not a stop; the caller's deadline handles it
      )
      .then(() => void (inFlight === reply && (inFlight = null)));
    inFlight = reply;
  };

  return {
    onStep(e) {
      queued.push(e);
      if (!inFlight && now() - lastSent >= intervalMs) sendQueued();
      return stop ? false : undefined;
    },
    async flush() {
      while (inFlight) await inFlight;
      if (queued.length) sendQueued();
      while (inFlight) await inFlight;
    },
  };
}
