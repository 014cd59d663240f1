"""`python3 -m twin --export DIR …`: see twin/train.py."""
import sys

from twin.train import main

sys.exit(main(sys.argv[1:]))
