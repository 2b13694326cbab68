//! A convolution's windows: unfolding a batch of channels-last images into one row per output pixel
//! (im2col), so the convolution is one matrix product with the kernel block, and folding rows back
//! (col2im, its adjoint) for the error reaching the input. Rows are ordered (kernel row, kernel column,
//! channel), so each kernel row of a window that lies inside the image is one contiguous copy.

use super::{NetLayer, Op};

/// The geometry of one conv layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Window {
    /// Input rows, columns, channels.
    pub height: usize,
    pub width: usize,
    pub channels: usize,
    pub kernel: usize,
    pub stride: usize,
    pub pad: usize,
    /// Output rows and columns.
    pub out_height: usize,
    pub out_width: usize,
}

impl Window {
    /// The window of conv layer `layer`.
    pub fn of(layer: &NetLayer) -> Self {
        let Op::Conv { kernel, stride, pad } = layer.op else { panic!("not a conv layer") };
        let (height, width, channels) = NetLayer::dims(layer.input);
        let (out_height, out_width, _) = NetLayer::dims(layer.output);
        Window { height, width, channels, kernel, stride, pad, out_height, out_width }
    }

    /// Output pixels per example: rows of the unfolded matrix per example.
    pub fn positions(&self) -> usize {
        self.out_height * self.out_width
    }

    /// Length of one unfolded row: kernel^2 x channels.
    pub fn row_len(&self) -> usize {
        self.kernel * self.kernel * self.channels
    }

    /// Numbers per input example.
    fn input_len(&self) -> usize {
        self.height * self.width * self.channels
    }

    /// Input rows (or columns, along `side`) of output row `o`'s window that lie inside the image: the
    /// kernel offsets `first..last` and the input index of offset 0 (possibly negative, as isize).
    fn span(&self, o: usize, side: usize) -> (usize, usize, isize) {
        let start = (o * self.stride) as isize - self.pad as isize;
        let first = (-start).max(0) as usize;
        let last = ((side as isize - start).min(self.kernel as isize)).max(first as isize) as usize;
        (first, last, start)
    }
}

/// cols[(n, oh, ow), (i, j, c)] = x[n, oh stride + i - pad, ow stride + j - pad, c], zero outside the image.
pub(crate) fn im2col(w: &Window, x: &[f32], b: usize, cols: &mut [f32]) {
    let (k, c) = (w.kernel, w.channels);
    let row_len = w.row_len();
    let mut rows = cols[..b * w.positions() * row_len].chunks_exact_mut(row_len);
    for image in x[..b * w.input_len()].chunks_exact(w.input_len()) {
        for oh in 0..w.out_height {
            let (i0, i1, top) = w.span(oh, w.height);
            for ow in 0..w.out_width {
                let (j0, j1, left) = w.span(ow, w.width);
                let row = rows.next().expect("cols sized for the batch");
                if i0 > 0 || i1 < k || j0 > 0 || j1 < k {
                    row.fill(0.0);
                }
                for i in i0..i1 {
                    let ih = (top + i as isize) as usize;
                    let from = (ih * w.width + (left + j0 as isize) as usize) * c;
                    let to = (i * k + j0) * c;
                    row[to..to + (j1 - j0) * c].copy_from_slice(&image[from..from + (j1 - j0) * c]);
                }
            }
        }
    }
}

/// The adjoint of [`im2col`]: dx = 0, then every row's entries added back to the pixels they came from.
pub(crate) fn col2im(w: &Window, cols: &[f32], b: usize, dx: &mut [f32]) {
    let c = w.channels;
    let row_len = w.row_len();
    let mut rows = cols[..b * w.positions() * row_len].chunks_exact(row_len);
    for image in dx[..b * w.input_len()].chunks_exact_mut(w.input_len()) {
        image.fill(0.0);
        for oh in 0..w.out_height {
            let (i0, i1, top) = w.span(oh, w.height);
            for ow in 0..w.out_width {
                let (j0, j1, left) = w.span(ow, w.width);
                let row = rows.next().expect("cols sized for the batch");
                for i in i0..i1 {
                    let ih = (top + i as isize) as usize;
                    let from = (ih * w.width + (left + j0 as isize) as usize) * c;
                    let to = (i * w.kernel + j0) * c;
                    let span = (j1 - j0) * c;
                    image[from..from + span].iter_mut().zip(&row[to..to + span]).for_each(|(d, s)| *d += s);
                }
            }
        }
    }
}

/// out[n, j, i] = x[n, i, j] for `b` matrices of `rows x cols`: channels-first to channels-last with
/// (rows, cols) = (channels, pixels), and back with (pixels, channels).
pub(crate) fn transpose_each(x: &[f32], rows: usize, cols: usize, b: usize, out: &mut [f32]) {
    let len = rows * cols;
    for (x, out) in x[..b * len].chunks_exact(len).zip(out[..b * len].chunks_exact_mut(len)) {
        for (r, row) in x.chunks_exact(cols).enumerate() {
            for (j, &v) in row.iter().enumerate() {
                out[j * rows + r] = v;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(side: usize, channels: usize, kernel: usize, stride: usize, pad: usize) -> Window {
        let out = (side + 2 * pad - kernel) / stride + 1;
        Window { height: side, width: side, channels, kernel, stride, pad, out_height: out, out_width: out }
    }

    /// The plain definition, one entry at a time.
    fn im2col_by_definition(w: &Window, x: &[f32], b: usize) -> Vec<f32> {
        let mut out = Vec::new();
        for n in 0..b {
            for oh in 0..w.out_height {
                for ow in 0..w.out_width {
                    for i in 0..w.kernel {
                        for j in 0..w.kernel {
                            for c in 0..w.channels {
                                let ih = (oh * w.stride + i) as isize - w.pad as isize;
                                let iw = (ow * w.stride + j) as isize - w.pad as isize;
                                let inside = (0..w.height as isize).contains(&ih)
                                    && (0..w.width as isize).contains(&iw);
                                out.push(if inside {
                                    x[n * w.input_len()
                                        + (ih as usize * w.width + iw as usize) * w.channels
                                        + c]
                                } else {
                                    0.0
                                });
                            }
                        }
                    }
                }
            }
        }
        out
    }

    fn geometries() -> Vec<Window> {
        vec![
            window(5, 1, 3, 1, 1),
            window(5, 2, 3, 2, 1),
            window(6, 3, 3, 2, 0),
            window(4, 2, 1, 1, 0),
            window(7, 2, 5, 3, 2),
            window(1, 2, 3, 1, 1),
            window(4, 1, 2, 1, 0),
        ]
    }

    #[test]
    fn unfolding_matches_the_definition_for_every_stride_and_padding() {
        for w in geometries() {
            let b = 2;
            let x: Vec<f32> = (0..b * w.input_len()).map(|v| v as f32 + 1.0).collect();
            let mut cols = vec![f32::NAN; b * w.positions() * w.row_len()];
            im2col(&w, &x, b, &mut cols);
            assert_eq!(cols, im2col_by_definition(&w, &x, b), "{w:?}");
        }
    }

    #[test]
    fn folding_is_the_adjoint_of_unfolding() {
        // <im2col x, y> = <x, col2im y> for any x, y: col2im is the transpose of the linear map im2col.
        for w in geometries() {
            let b = 2;
            let x: Vec<f32> = (0..b * w.input_len()).map(|v| ((v * 7 % 11) as f32) - 5.0).collect();
            let y: Vec<f32> =
                (0..b * w.positions() * w.row_len()).map(|v| ((v * 5 % 13) as f32) - 6.0).collect();
            let mut cols = vec![0.0; y.len()];
            im2col(&w, &x, b, &mut cols);
            let mut folded = vec![f32::NAN; x.len()];
            col2im(&w, &y, b, &mut folded);
            let left: f32 = cols.iter().zip(&y).map(|(a, b)| a * b).sum();
            let right: f32 = x.iter().zip(&folded).map(|(a, b)| a * b).sum();
            assert_eq!(left, right, "{w:?}");
        }
    }

    #[test]
    fn transposing_twice_is_the_identity() {
        let x: Vec<f32> = (0..24).map(|v| v as f32).collect();
        let (mut once, mut twice) = (vec![0.0; 24], vec![0.0; 24]);
        transpose_each(&x, 3, 4, 2, &mut once);
        assert_eq!(once[..4], [0.0, 4.0, 8.0, 1.0]);
        transpose_each(&once, 4, 3, 2, &mut twice);
        assert_eq!(twice, x);
    }
}
