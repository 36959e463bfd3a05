// Node sizes the layout and the drawing share (the layout never waits for the browser to measure).
export const assetSize = { width: 230, height: 62 };
export const groupSize = { width: 250, height: 92 };
export const groupPadding = { top: 44, side: 20, bottom: 20 };
