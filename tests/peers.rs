//! The peers' reference task (../shared/peers): from their split and initial weights, full-batch SGD
//! must reproduce the losses numpy, scikit-learn and JAX agree on to 6 digits.

use batchlab::peers::{reference_data, reference_model, train_reference};

#[test]
fn full_batch_sgd_reproduces_the_peers_losses_from_their_start() {
    let data = reference_data().unwrap();
    let (net, init) = reference_model().unwrap();
    assert_eq!((data.train.len(), data.test.len()), (1437, 360));
    // One warm-up epoch plus 1000: 1001 full-batch steps; record k is the loss after k steps.
    let records = train_reference(&data, &net, &init, 1437, 1000, 0).unwrap();
    let loss = |steps: usize| records[steps].train_loss;
    // Values from the peers' README: numpy, scikit-learn and JAX agree to every printed digit.
    for (steps, expected) in [(0, 2.744612), (1, 2.620633), (10, 1.811797), (100, 0.351796), (1001, 0.040962)]
    {
        assert!(
            (loss(steps) - expected).abs() < 2e-6,
            "after {steps} steps: {} vs the peers' {expected}",
            loss(steps)
        );
    }
}
