//! Max pooling over channels-last images, storing which input each output took: the backward pass
//! sends an output's error back to that input alone, and the R-operator's directional derivative is
//! the derivative of that input (max pooling is linear wherever the maximum is unique).

/// out[n, oh, ow, c] = max over the `size x size` window of x[n, ., ., c], and its index within the
/// example in `argmax`. Ties go to the first in row-major order, as PyTorch's `max_pool2d`.
pub(crate) fn max_pool(
    x: &[f32],
    (height, width, channels): (usize, usize, usize),
    size: usize,
    b: usize,
    out: &mut [f32],
    argmax: &mut [u32],
) {
    let (out_h, out_w) = (height / size, width / size);
    let (in_len, out_len) = (height * width * channels, out_h * out_w * channels);
    let examples = x[..b * in_len].chunks_exact(in_len).zip(out[..b * out_len].chunks_exact_mut(out_len));
    for ((image, pooled), arg) in examples.zip(argmax[..b * out_len].chunks_exact_mut(out_len)) {
        let pixels = pooled.chunks_exact_mut(channels).zip(arg.chunks_exact_mut(channels));
        for (p, (best, at)) in pixels.enumerate() {
            let (oh, ow) = (p / out_w, p % out_w);
            for i in 0..size {
                for j in 0..size {
                    let base = ((oh * size + i) * width + ow * size + j) * channels;
                    let candidates = image[base..base + channels].iter().enumerate();
                    if i == 0 && j == 0 {
                        best.copy_from_slice(&image[base..base + channels]);
                        at.iter_mut().enumerate().for_each(|(c, a)| *a = (base + c) as u32);
                        continue;
                    }
                    for ((c, &v), (m, a)) in candidates.zip(best.iter_mut().zip(at.iter_mut())) {
                        if v > *m {
                            *m = v;
                            *a = (base + c) as u32;
                        }
                    }
                }
            }
        }
    }
}

/// to = 0, then to[n, argmax[n, j]] = from[n, j]: an output's error back to the input it took.
pub(crate) fn scatter(from: &[f32], argmax: &[u32], out_len: usize, in_len: usize, b: usize, to: &mut [f32]) {
    let rows = from[..b * out_len].chunks_exact(out_len).zip(argmax.chunks_exact(out_len));
    for ((from, arg), to) in rows.zip(to[..b * in_len].chunks_exact_mut(in_len)) {
        to.fill(0.0);
        // Windows do not overlap, so every input receives at most one output's error.
        from.iter().zip(arg).for_each(|(&v, &a)| to[a as usize] = v);
    }
}

/// to[n, j] = from[n, argmax[n, j]]: the pooled values of any input through the stored choice.
pub(crate) fn gather(from: &[f32], argmax: &[u32], in_len: usize, out_len: usize, b: usize, to: &mut [f32]) {
    let rows = from[..b * in_len].chunks_exact(in_len).zip(argmax.chunks_exact(out_len));
    for ((from, arg), to) in rows.zip(to[..b * out_len].chunks_exact_mut(out_len)) {
        to.iter_mut().zip(arg).for_each(|(t, &a)| *t = from[a as usize]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pooling_takes_each_channels_maximum_and_the_first_of_ties() {
        // One 4 x 4 image of 2 channels; channel 0 counts up, channel 1 is constant (a tie everywhere).
        let x: Vec<f32> = (0..16).flat_map(|p| [p as f32, 1.0]).collect();
        let (mut out, mut arg) = (vec![0.0; 8], vec![0; 8]);
        max_pool(&x, (4, 4, 2), 2, 1, &mut out, &mut arg);
        assert_eq!(out, [5.0, 1.0, 7.0, 1.0, 13.0, 1.0, 15.0, 1.0]);
        // Channel 0's maxima sit at pixels 5, 7, 13, 15; channel 1 takes each window's first pixel.
        assert_eq!(arg, [10, 1, 14, 5, 26, 17, 30, 21]);
        let mut back = vec![f32::NAN; 32];
        scatter(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], &arg, 8, 32, 1, &mut back);
        assert_eq!(back.iter().sum::<f32>(), 36.0);
        assert_eq!((back[10], back[1], back[0]), (1.0, 2.0, 0.0));
        let mut again = vec![0.0; 8];
        gather(&x, &arg, 32, 8, 1, &mut again);
        assert_eq!(again, out);
    }
}
