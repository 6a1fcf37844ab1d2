/**
 * The pure geometry the UI shares with the core, so the renderer draws, clamps
 * and matches boxes exactly as the store and the evaluation do. The renderer
 * imports only app/contract/; this is its door to app/domain.
 */
export { clampRect, iou, matchGreedy, type Rect } from '../domain/box.ts';
