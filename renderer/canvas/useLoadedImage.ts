import { useEffect, useState } from 'react';
import { loadImage, type LoadedImage } from './imageCache.ts';

/** The decoded image (with its pyramid) of `url`, or null while it loads or when it failed. */
export function useLoadedImage(url: string): LoadedImage | null {
  const [img, setImg] = useState<LoadedImage | null>(null);
  useEffect(() => {
    let live = true;
    loadImage(url).then(
      (i) => live && setImg(i),
      () => live && setImg(null),
    );
    return () => {
      live = false;
    };
  }, [url]);
  return img && img.url === url ? img : null;
}
