//! The bundled UCI optical digits set (1797 8x8 images, 64 features 0..16, classes 0..9), compiled into
//! the binary so the default experiment needs no download. Origin and licence: `data/README.md`.

use super::Table;
use crate::error::DataError;
use crate::spec::Task;

/// Names the bundled set in errors.
const SOURCE: &str = "bundled digits";

/// The gzip'ed csv: header `p0,...,p63,label`, one row per image.
const DIGITS_CSV_GZ: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/data/digits.csv.gz"));

/// Decompresses and parses the bundled set through the csv loader.
pub fn load() -> Result<Table, DataError> {
    let csv = super::gunzip(&SOURCE, DIGITS_CSV_GZ, None)?;
    super::csv::parse(SOURCE, &csv, "label", Task::Classification)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Targets;

    #[test]
    fn the_bundled_set_has_1797_images_of_64_pixels_in_ten_classes() {
        let table = load().expect("bundled digits load");
        assert_eq!(table.examples.x.dim(), (1797, 64));
        assert_eq!(table.class_names, ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
        assert_eq!(table.feature_names.first().map(String::as_str), Some("p0"));
        assert_eq!(table.feature_names.last().map(String::as_str), Some("p63"));
        assert!(table.examples.x.iter().all(|&v| (0.0..=16.0).contains(&v) && v.fract() == 0.0));
    }

    #[test]
    fn the_first_image_is_a_zero_with_the_known_pixels() {
        let table = load().expect("bundled digits load");
        let first: Vec<f32> = table.examples.x.row(0).iter().take(16).copied().collect();
        assert_eq!(first, [0., 0., 5., 13., 9., 1., 0., 0., 0., 0., 13., 15., 10., 15., 5., 0.]);
        let Targets::Classes(y) = &table.examples.y else { panic!("digits are classes") };
        assert_eq!(&y[..3], [0, 1, 2]);
    }
}
