//! The bundled UCI optical digits set (1797 8x8 images, 64 features 0..16, classes 0..9), compiled into
//! the binary so the default experiment needs no download. Origin and licence: `data/README.md`. As a
//! regression task the target is the digit's value (0 to 9, one output).

use super::Table;
use crate::error::DataError;
use crate::spec::Task;

/// Names the bundled set in errors.
const SOURCE: &str = "bundled digits";

/// The gzip'ed csv: header `p0,...,p63,label`, one row per image.
const DIGITS_CSV_GZ: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/data/digits.csv.gz"));

/// Decompresses and parses the bundled set through the csv loader, the label as ten classes or, for
/// `Task::Regression`, as the digit's value.
pub fn load(task: Task) -> Result<Table, DataError> {
    let csv = super::gunzip(&SOURCE, DIGITS_CSV_GZ, None)?;
    super::csv::parse(SOURCE, &csv, "label", task)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Targets;

    #[test]
    fn the_bundled_set_has_1797_images_of_64_pixels_in_ten_classes() {
        let table = load(Task::Classification).expect("bundled digits load");
        assert_eq!(table.examples.x.dim(), (1797, 64));
        assert_eq!(table.class_names, ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
        assert_eq!(table.feature_names.first().map(String::as_str), Some("p0"));
        assert_eq!(table.feature_names.last().map(String::as_str), Some("p63"));
        assert!(table.examples.x.iter().all(|&v| (0.0..=16.0).contains(&v) && v.fract() == 0.0));
    }

    #[test]
    fn the_first_image_is_a_zero_with_the_known_pixels() {
        let table = load(Task::Classification).expect("bundled digits load");
        let first: Vec<f32> = table.examples.x.row(0).iter().take(16).copied().collect();
        assert_eq!(first, [0., 0., 5., 13., 9., 1., 0., 0., 0., 0., 13., 15., 10., 15., 5., 0.]);
        let Targets::Classes(y) = &table.examples.y else { panic!("digits are classes") };
        assert_eq!(&y[..3], [0, 1, 2]);
    }

    #[test]
    fn as_a_regression_task_the_target_is_the_digit_value() {
        let classes = load(Task::Classification).expect("bundled digits load");
        let values = load(Task::Regression).expect("bundled digits load");
        let (Targets::Classes(c), Targets::Values(v)) = (&classes.examples.y, &values.examples.y) else {
            panic!("classes, then values")
        };
        assert_eq!(v.dim(), (1797, 1));
        assert!(values.class_names.is_empty() && values.examples.x == classes.examples.x);
        // The class names are the digits in order, so class index i is the value i.
        assert!(c.iter().zip(v.column(0)).all(|(&k, &y)| y == k as f32));
        assert_eq!(v.column(0).iter().take(3).copied().collect::<Vec<f32>>(), [0.0, 1.0, 2.0]);
    }
}
