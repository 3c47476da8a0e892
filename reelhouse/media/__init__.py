"""Pure media functions over local files: probing, ladder planning, transcoding, thumbnails."""
