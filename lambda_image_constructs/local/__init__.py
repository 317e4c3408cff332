"""Build a synthesized app's images and invoke its functions on this machine, with Docker or,
without a daemon, Podman; see ``lambda-images --help``."""
