/** A count with its noun: "1 image", "2 images", "3 boxes" (given the plural where it is not one + s). */
export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
