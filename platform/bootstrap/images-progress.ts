// The image pushes as one line of progress for the images step ("2 of 4 images; 3 blobs, 1.2 MB
// sent, 5 mounted"), rather than an event per blob: the CLI shows it as the step's detail.
import type { ImagesEvent } from '../images/push-images.ts';

export function imagesProgress(total: number, progress: (detail: string) => void): (event: ImagesEvent) => void {
  let done = 0;
  let unchanged = 0;
  let blobs = 0;
  let bytes = 0;
  let mounted = 0;
  let base = false;
  const report = () => {
    const sent = blobs ? `; ${blobs} blob${blobs === 1 ? '' : 's'}, ${(bytes / 1e6).toFixed(1)} MB sent` : '';
    const mounts = mounted ? `, ${mounted} mounted` : '';
    const same = unchanged ? ` (${unchanged} unchanged)` : '';
    progress(base ? `${done} of ${total} images pushed${same}${sent}${mounts}` : `preparing the base image${sent}${mounts}`);
  };
  return (event) => {
    if (event.kind === 'base-ready') base = true;
    else if (event.kind === 'blob-uploaded') {
      blobs++;
      bytes += event.size;
    } else if (event.kind === 'blob-mounted') mounted++;
    else if (event.kind === 'image-pushed') done++;
    else if (event.kind === 'image-unchanged') {
      done++;
      unchanged++;
    } else return;
    report();
  };
}
