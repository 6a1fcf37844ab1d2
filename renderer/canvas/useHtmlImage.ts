import { useEffect, useState } from 'react';

/** Load an image element for Konva; null until it has loaded (or when it fails). */
export function useHtmlImage(url: string): HTMLImageElement | null {
  const [img, setImg] = useState<HTMLImageElement | null>(null);
  useEffect(() => {
    let live = true;
    setImg(null);
    const el = new window.Image();
    el.decoding = 'async';
    el.onload = () => live && setImg(el);
    el.onerror = () => live && setImg(null);
    el.src = url;
    return () => {
      live = false;
      el.onload = null;
      el.onerror = null;
    };
  }, [url]);
  return img;
}
