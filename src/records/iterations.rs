//! iterations.csv, written row by row with integer and shortest-float formatting and no serde in the
//! way: at B = 1 a row is written every few microseconds, so the writer must cost far less than a step.

use crate::schema::IterationRecord;
use std::io::{self, Write};

/// The header, in the field order of [`IterationRecord`].
const HEADER: &[u8] = b"epoch,iteration,examples_seen,batch_size,learning_rate,loss,wall_s\n";

/// Streams iteration rows into a buffered writer.
pub struct IterationWriter<W: Write> {
    out: W,
}

impl<W: Write> IterationWriter<W> {
    /// Writes the header.
    pub fn new(mut out: W) -> io::Result<Self> {
        out.write_all(HEADER)?;
        Ok(IterationWriter { out })
    }

    /// Appends one row, formatted as the csv crate would (ryu's shortest round-trip floats).
    pub fn write(&mut self, r: &IterationRecord) -> io::Result<()> {
        let (mut int, mut float) = (itoa::Buffer::new(), ryu::Buffer::new());
        let out = &mut self.out;
        out.write_all(int.format(r.epoch).as_bytes())?;
        out.write_all(b",")?;
        out.write_all(int.format(r.iteration).as_bytes())?;
        out.write_all(b",")?;
        out.write_all(int.format(r.examples_seen).as_bytes())?;
        out.write_all(b",")?;
        out.write_all(int.format(r.batch_size).as_bytes())?;
        out.write_all(b",")?;
        out.write_all(float.format(r.learning_rate).as_bytes())?;
        out.write_all(b",")?;
        out.write_all(float.format(r.loss).as_bytes())?;
        out.write_all(b",")?;
        out.write_all(float.format(r.wall_s).as_bytes())?;
        out.write_all(b"\n")
    }

    /// Flushes the buffer.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_byte_identical_to_the_csv_crate() {
        let rows = [
            IterationRecord {
                epoch: 1,
                iteration: 1,
                examples_seen: 32,
                batch_size: 32,
                learning_rate: 0.1,
                loss: 1.234_567_8,
                wall_s: 1.5e-5,
            },
            IterationRecord {
                epoch: 12,
                iteration: 1437,
                examples_seen: 1437,
                batch_size: 29,
                learning_rate: 0.021_544_346_900_318_84,
                loss: f64::NAN,
                wall_s: 0.25,
            },
            IterationRecord {
                epoch: 3,
                iteration: 9,
                examples_seen: 90,
                batch_size: 10,
                learning_rate: 1e-300,
                loss: 1e300,
                wall_s: 0.0,
            },
        ];
        let mut fast = IterationWriter::new(Vec::new()).unwrap();
        let mut reference = csv::Writer::from_writer(Vec::new());
        for row in &rows {
            fast.write(row).unwrap();
            reference.serialize(row).unwrap();
        }
        let reference = reference.into_inner().unwrap();
        assert_eq!(String::from_utf8(fast.out).unwrap(), String::from_utf8(reference).unwrap());
    }
}
