// One silo and one browser at a time: on 2 cores, classes side by side would only measure each other.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
