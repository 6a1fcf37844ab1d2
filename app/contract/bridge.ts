import type { LoupeEvent, MethodName, Reply, Req, Res } from './methods.ts';

/** A menu command from the Electron shell. */
export type MenuEvent = { type: 'menu'; action: string };
/** Everything the UI hears: the core's events and the shell's menu commands. */
export type UiEvent = LoupeEvent | MenuEvent;

/**
 * What the Electron preload exposes as window.loupe, and what the browser
 * client mirrors over HTTP: the contract's methods, one event subscription, and
 * the URLs of an image and its thumbnail.
 */
export type LoupeBridge = {
  [M in MethodName]: (req: Req<M>) => Promise<Reply<Res<M>>>;
} & {
  on(cb: (e: UiEvent) => void): () => void;
  imageUrl(id: number): string;
  thumbUrl(id: number): string;
};
