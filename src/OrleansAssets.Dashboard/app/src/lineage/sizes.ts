// Node sizes the layout and the drawing share (the layout never waits for the browser to measure).
// 78 high: the key, the state and a line of kind chips (the chips cost no measuring, so no layout waits for them).
export const assetSize = { width: 230, height: 78 };
export const groupSize = { width: 250, height: 92 };
export const groupPadding = { top: 44, side: 20, bottom: 20 };
