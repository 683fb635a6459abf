#!/bin/sh
# The demo's program; stories add to it.
echo "greeter"
