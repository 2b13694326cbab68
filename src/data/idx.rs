//! The idx loader: MNIST-format u8 image and label files, plain or gzip'ed, read into a [`Table`] of raw
//! pixel values (0..255) and dense class indices.

use super::{Examples, Table, Targets};
use crate::error::DataError;
use ndarray::Array2;
use std::path::Path;

/// What one of the two files must hold.
struct Kind {
    magic: u32,
    dims: usize,
    what: &'static str,
}

const IMAGES: Kind = Kind { magic: 0x0000_0803, dims: 3, what: "u8 images: count x rows x cols" };
const LABELS: Kind = Kind { magic: 0x0000_0801, dims: 1, what: "u8 labels: count" };

/// Reads an images file and its labels file (each at most `limit` bytes, decompressed); the pixel columns
/// are named `px0`, `px1`, ...
pub fn load(images: &Path, labels: &Path, limit: Option<u64>) -> Result<Table, DataError> {
    let (image_source, label_source) = (images.display().to_string(), labels.display().to_string());
    let image_bytes = super::read_file(images, limit)?;
    let (image_dims, pixels) = parse(&image_source, &image_bytes, &IMAGES)?;
    let label_bytes = super::read_file(labels, limit)?;
    let (label_dims, label_data) = parse(&label_source, &label_bytes, &LABELS)?;
    let (count, rows, cols) = (image_dims[0], image_dims[1], image_dims[2]);
    if count == 0 {
        return Err(DataError::file(&image_source, "the file holds zero images"));
    }
    if rows * cols == 0 {
        return Err(DataError::file(&image_source, format!("images are {rows} x {cols}: no pixels")));
    }
    if label_dims[0] != count {
        let message = format!("{} labels, but {image_source} holds {count} images", label_dims[0]);
        return Err(DataError::file(&label_source, message));
    }
    let (y, class_names) = classes(&label_source, label_data)?;
    // `parse` checked that the data length equals count * rows * cols, so this shape always fits.
    let x = Array2::from_shape_vec((count, rows * cols), pixels.iter().map(|&p| f32::from(p)).collect())
        .map_err(|e| DataError::file(&image_source, format!("internal shape error: {e}")))?;
    let feature_names = (0..rows * cols).map(|i| format!("px{i}")).collect();
    let image = Some([1, rows, cols]);
    Ok(Table { examples: Examples { x, y: Targets::Classes(y) }, feature_names, class_names, image })
}

/// Checks the header against `kind` and returns the dimensions and the data bytes. The declared size is
/// computed with checked arithmetic and compared with the bytes present, so a corrupt header cannot
/// trigger a huge allocation.
fn parse<'a>(source: &str, bytes: &'a [u8], kind: &Kind) -> Result<(Vec<usize>, &'a [u8]), DataError> {
    let refuse = |message: String| Err(DataError::file(source, message));
    let Some(magic) = be_u32(bytes, 0) else {
        return refuse(format!("truncated: {} bytes, an idx header needs at least 4", bytes.len()));
    };
    let expected = format!("expected 0x{:08x} ({})", kind.magic, kind.what);
    if magic & 0xffff_ff00 != kind.magic & 0xffff_ff00 {
        return refuse(format!("magic number 0x{magic:08x} found, {expected}"));
    }
    let dims = (magic & 0xff) as usize;
    if dims != kind.dims {
        return refuse(format!("magic number 0x{magic:08x} declares {dims} dimensions, {expected}"));
    }
    let header_len = 4 + 4 * dims;
    let sizes: Option<Vec<usize>> = (0..dims).map(|i| be_u32(bytes, 4 + 4 * i).map(|d| d as usize)).collect();
    let Some(sizes) = sizes else {
        return refuse(format!(
            "truncated: expected a {header_len}-byte header, found {} bytes",
            bytes.len()
        ));
    };
    let Some(needed) = sizes.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d)) else {
        return refuse(format!("header sizes {sizes:?} are too large to describe a real file"));
    };
    let data = &bytes[header_len..];
    if data.len() < needed {
        return refuse(format!(
            "truncated: expected {needed} bytes of data for sizes {sizes:?}, found {}",
            data.len()
        ));
    }
    if data.len() > needed {
        let extra = data.len() - needed;
        return refuse(format!(
            "{extra} bytes after the {needed} bytes of data that sizes {sizes:?} declare"
        ));
    }
    Ok((sizes, data))
}

/// The big-endian u32 at `offset`, if the bytes reach that far.
fn be_u32(bytes: &[u8], offset: usize) -> Option<u32> {
    let word = bytes.get(offset..offset.checked_add(4)?)?;
    Some(u32::from_be_bytes([word[0], word[1], word[2], word[3]]))
}

/// Remaps the labels present to dense indices in numeric order; names are the label values.
fn classes(source: &str, labels: &[u8]) -> Result<(Vec<u32>, Vec<String>), DataError> {
    let mut present = [false; 256];
    for &label in labels {
        present[usize::from(label)] = true;
    }
    let values: Vec<u8> = (0..=u8::MAX).filter(|&v| present[usize::from(v)]).collect();
    if values.len() < 2 {
        let only = values.first().map_or(String::new(), u8::to_string);
        return Err(DataError::file(
            source,
            format!("only one class `{only}`; classification needs at least two"),
        ));
    }
    let mut index = [0u32; 256];
    for (i, &v) in values.iter().enumerate() {
        index[usize::from(v)] = i as u32; // at most 256 classes
    }
    let y = labels.iter().map(|&label| index[usize::from(label)]).collect();
    Ok((y, values.iter().map(u8::to_string).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::path::PathBuf;

    fn idx(magic: u32, sizes: &[u32], data: &[u8]) -> Vec<u8> {
        let mut bytes = magic.to_be_bytes().to_vec();
        sizes.iter().for_each(|s| bytes.extend(s.to_be_bytes()));
        bytes.extend(data);
        bytes
    }

    fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> PathBuf {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write test file");
        path
    }

    /// Three 1 x 2 images labelled 7, 3, 7.
    fn load_pair(images: &[u8], labels: &[u8]) -> Result<Table, DataError> {
        let dir = tempfile::tempdir().expect("tempdir");
        load(&write(&dir, "images.idx", images), &write(&dir, "labels.idx", labels), None)
    }

    fn good_images() -> Vec<u8> {
        idx(0x803, &[3, 1, 2], &[0, 255, 10, 20, 30, 40])
    }

    fn good_labels() -> Vec<u8> {
        idx(0x801, &[3], &[7, 3, 7])
    }

    fn images_error(images: &[u8]) -> String {
        load_pair(images, &good_labels()).expect_err("images should be refused").message
    }

    #[test]
    fn reads_raw_pixels_and_remaps_labels_densely_in_numeric_order() {
        let t = load_pair(&good_images(), &good_labels()).expect("load");
        assert_eq!(t.examples.x, ndarray::array![[0.0, 255.0], [10.0, 20.0], [30.0, 40.0]]);
        assert_eq!(t.feature_names, ["px0", "px1"]);
        assert_eq!(t.class_names, ["3", "7"]);
        assert_eq!(t.examples.y, Targets::Classes(vec![1, 0, 1]));
    }

    #[test]
    fn gzip_files_are_detected_by_their_magic_bytes() {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(&good_images()).expect("gzip");
        let t = load_pair(&encoder.finish().expect("gzip"), &good_labels()).expect("load gz");
        assert_eq!(t.examples.x.dim(), (3, 2));
    }

    #[test]
    fn a_missing_file_is_named() {
        let e = load(Path::new("/no/images.idx"), Path::new("/no/labels.idx"), None).expect_err("missing");
        assert_eq!(e.source, "/no/images.idx");
        assert!(e.message.contains("cannot read the file"));
    }

    #[test]
    fn a_wrong_magic_number_says_what_was_found_and_expected() {
        let message = images_error(&idx(0x0d03, &[3, 1, 2], &[0; 24]));
        assert!(message.contains("0x00000d03 found, expected 0x00000803"), "{message}");
        assert!(images_error(b"P5\n28 28\n255\n").contains("found, expected 0x00000803"));
    }

    #[test]
    fn a_labels_file_given_as_images_has_the_wrong_dimension_count() {
        let message = images_error(&good_labels());
        assert!(message.contains("declares 1 dimensions, expected 0x00000803"), "{message}");
    }

    #[test]
    fn truncated_headers_and_data_are_refused_with_both_sizes() {
        assert!(images_error(&[0, 0]).contains("needs at least 4"));
        assert!(images_error(&[0, 0, 8, 3, 0, 0, 0, 3]).contains("expected a 16-byte header, found 8 bytes"));
        let message = images_error(&idx(0x803, &[3, 1, 2], &[1, 2, 3]));
        assert!(message.contains("expected 6 bytes of data for sizes [3, 1, 2], found 3"), "{message}");
    }

    #[test]
    fn trailing_bytes_are_refused() {
        assert!(images_error(&idx(0x803, &[3, 1, 2], &[0; 7])).contains("1 bytes after the 6 bytes"));
    }

    #[test]
    fn absurd_header_sizes_are_refused_without_allocating() {
        let overflow = images_error(&idx(0x803, &[u32::MAX, u32::MAX, u32::MAX], &[]));
        assert!(overflow.contains("too large") || overflow.contains("truncated"), "{overflow}");
        let huge = images_error(&idx(0x803, &[60_000, 4096, 4096], &[0; 10]));
        assert!(huge.contains("found 10"), "{huge}");
    }

    #[test]
    fn image_and_label_counts_must_agree() {
        let e = load_pair(&good_images(), &idx(0x801, &[2], &[1, 2])).expect_err("count mismatch");
        assert!(e.source.ends_with("labels.idx"));
        assert!(e.message.contains("2 labels, but") && e.message.contains("holds 3 images"), "{e}");
    }

    #[test]
    fn zero_images_and_zero_pixels_are_refused() {
        let empty_labels = idx(0x801, &[0], &[]);
        let e = load_pair(&idx(0x803, &[0, 28, 28], &[]), &empty_labels).expect_err("zero images");
        assert!(e.message.contains("zero images"));
        assert!(images_error(&idx(0x803, &[3, 0, 2], &[])).contains("no pixels"));
    }

    #[test]
    fn a_single_class_is_refused() {
        let e = load_pair(&good_images(), &idx(0x801, &[3], &[4, 4, 4])).expect_err("one class");
        assert_eq!(e.message, "only one class `4`; classification needs at least two");
    }
}
