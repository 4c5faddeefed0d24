// Fine-tuning seeds torch's process-wide random generator (initialisation, dropout, augmentation); test classes running
// side by side would draw from it in between and break the determinism the resume tests assert. Run them one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
