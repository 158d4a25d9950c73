// Making a photo too large for the hub (over 10 MB: a 50-megapixel phone camera) small enough, in
// the phone: decoded, scaled to at most 4000 px on its long side and re-encoded as JPEG. The copy
// loses its EXIF (the phone's fix is sent with the report anyway); photos within the limit are
// sent untouched, EXIF and all.

export async function shrinkPhoto(file: File, maxSide = 4000, quality = 0.85): Promise<File> {
  const bitmap = await createImageBitmap(file) // applies the EXIF orientation
  const scale = Math.min(1, maxSide / Math.max(bitmap.width, bitmap.height))
  const canvas = document.createElement('canvas')
  canvas.width = Math.round(bitmap.width * scale)
  canvas.height = Math.round(bitmap.height * scale)
  canvas.getContext('2d')!.drawImage(bitmap, 0, 0, canvas.width, canvas.height)
  bitmap.close()
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality))
  if (!blob) throw new Error('照片无法压缩')
  return new File([blob], file.name.replace(/\.[^.]*$/, '') + '.jpg', { type: 'image/jpeg', lastModified: file.lastModified })
}
