"""provcheck: find model-generated and restricted data in training sets, and say why it matters."""

__version__ = "0.1.0"
