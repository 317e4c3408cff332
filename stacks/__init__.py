"""The example app's own parts. The reusable stages, stacks, pipeline and configuration loader
live in :mod:`lambda_image_constructs.org`, so an installed wheel has them too."""
