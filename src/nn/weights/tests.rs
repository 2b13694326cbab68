//! Round trips to the bit, PyTorch's layout checked on numbers placed by hand, and every refusal.

use super::*;
use crate::nn::Loss;
use crate::spec::Activation;

fn mlp(hidden: &[usize], bias: bool) -> Network {
    Network::mlp(6, hidden, 3, Activation::Relu, bias, Loss::CrossEntropy)
}

/// Values that stress the encoding: signed zeros, a subnormal, large and small magnitudes.
fn awkward(n: usize) -> Vec<f32> {
    let special = [-0.0, 0.0, f32::MIN_POSITIVE / 8.0, 3.0e38, -1.0e-30];
    (0..n).map(|i| special.get(i).copied().unwrap_or((i as f32 * 0.37).sin() * 10.0)).collect()
}

fn decode_err(net: &Network, bytes: &[u8]) -> WeightsError {
    decode(net, bytes, Path::new("w.safetensors")).expect_err("refused")
}

#[test]
fn written_weights_read_back_to_the_same_bits() {
    for net in [
        mlp(&[5, 4], true),
        mlp(&[5], false),
        Network::mlp(64, &[64], 10, Activation::Relu, true, Loss::CrossEntropy),
    ] {
        let params = awkward(net.params);
        let bytes = encode(&net, &params).expect("encodes");
        let back = decode(&net, &bytes, Path::new("w.safetensors")).expect("decodes");
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&back), bits(&params));
    }
}

#[test]
fn tensors_have_pytorch_names_and_out_by_in_layout() {
    // 2 -> 3, no hidden layer: batchlab's w is [in, out] = [[1, 2, 3], [4, 5, 6]], bias [7, 8, 9];
    // nn.Linear's weight is [out, in] = [[1, 4], [2, 5], [3, 6]], stored row-major.
    let net = Network::mlp(2, &[], 3, Activation::Relu, true, Loss::CrossEntropy);
    let params = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0];
    let bytes = encode(&net, &params).expect("encodes");
    let file = SafeTensors::deserialize(&bytes).expect("a safetensors file");
    let mut names = file.names();
    names.sort_unstable();
    assert_eq!(names, ["layers.0.bias", "layers.0.weight"]);
    let floats = |name: &str| -> (Vec<usize>, Vec<f32>) {
        let view = file.tensor(name).expect("present");
        assert_eq!(view.dtype(), Dtype::F32);
        let values =
            view.data().chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        (view.shape().to_vec(), values)
    };
    assert_eq!(floats("layers.0.weight"), (vec![3, 2], vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]));
    assert_eq!(floats("layers.0.bias"), (vec![3], vec![7.0, 8.0, 9.0]));
}

#[test]
fn a_shape_mismatch_names_the_file_the_tensor_and_both_shapes() {
    let bytes = encode(&mlp(&[5], true), &awkward(mlp(&[5], true).params)).expect("encodes");
    let err = decode_err(&mlp(&[4], true), &bytes);
    assert!(matches!(&err, WeightsError::Shape { name, found, expected, .. }
        if name == "layers.0.weight" && found == &[5, 6] && expected == &[4, 6]));
    let message = err.to_string();
    for part in ["w.safetensors", "layers.0.weight", "[5, 6]", "[4, 6]"] {
        assert!(message.contains(part), "{message}");
    }
}

#[test]
fn a_missing_or_extra_tensor_is_refused_by_name() {
    let (with_bias, without) = (mlp(&[5], true), mlp(&[5], false));
    let biased = encode(&with_bias, &awkward(with_bias.params)).expect("encodes");
    let plain = encode(&without, &awkward(without.params)).expect("encodes");
    let err = decode_err(&with_bias, &plain);
    assert!(
        matches!(&err, WeightsError::Missing { name, expected, .. } if name == "layers.0.bias" && expected == &[5])
    );
    assert!(err.to_string().contains("the file has: layers.0.weight, layers.1.weight"), "{err}");
    let err = decode_err(&without, &biased);
    assert!(matches!(&err, WeightsError::Extra { name, .. } if name == "layers.0.bias"), "{err}");
    // A deeper model's file: its third layer is extra.
    let deeper = mlp(&[5, 5], true);
    let err = decode_err(&with_bias, &encode(&deeper, &awkward(deeper.params)).expect("encodes"));
    assert!(matches!(&err, WeightsError::Extra { name, .. } if name == "layers.2.bias"), "{err}");
}

#[test]
fn a_tensor_of_another_dtype_is_refused() {
    let net = Network::mlp(2, &[], 1, Activation::Relu, false, Loss::MeanSquared);
    let doubles: Vec<u8> = [1.0f64, 2.0].iter().flat_map(|v| v.to_le_bytes()).collect();
    let view = TensorView::new(Dtype::F64, vec![1, 2], &doubles).expect("a view");
    let bytes = safetensors::serialize([("layers.0.weight", view)], None).expect("serialises");
    let err = decode_err(&net, &bytes);
    assert!(
        matches!(&err, WeightsError::Dtype { name, found, .. } if name == "layers.0.weight" && found == "F64")
    );
    assert_eq!(err.to_string(), "w.safetensors: tensor `layers.0.weight` is F64, the model needs F32");
}

#[test]
fn garbage_and_non_finite_weights_are_refused() {
    let net = mlp(&[5], true);
    assert!(matches!(decode_err(&net, b"not a safetensors file"), WeightsError::Format { .. }));
    let mut params = awkward(net.params);
    // Flat index 6 x 5 + 2 is the bias's third value.
    params[6 * 5 + 2] = f32::NAN;
    let err = decode_err(&net, &encode(&net, &params).expect("encodes"));
    assert!(
        matches!(&err, WeightsError::NotFinite { name, index: 2, .. } if name == "layers.0.bias"),
        "{err}"
    );
}

#[test]
fn init_hash_is_sha256_of_the_little_endian_floats() {
    // From Python: hashlib.sha256(b"").hexdigest() and hashlib.sha256(struct.pack("<3f", 1, -2, 0.5)).
    assert_eq!(init_hash(&[]), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_eq!(
        init_hash(&[1.0, -2.0, 0.5]),
        "2ce4bdb6b34a50ac7092eb9fee94337a27498e9eb9bae44192f15b88831b2422"
    );
    // Across the 1024-value buffer boundary it is still the hash of all the bytes at once.
    let long = awkward(2500);
    let bytes: Vec<u8> = long.iter().flat_map(|v| v.to_le_bytes()).collect();
    let direct: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(init_hash(&long), direct);
    let mut flipped = long.clone();
    flipped[2000] = f32::from_bits(flipped[2000].to_bits() ^ 1);
    assert_ne!(init_hash(&flipped), direct);
}
