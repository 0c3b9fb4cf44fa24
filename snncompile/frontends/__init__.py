"""Front ends: turn models from other tools into snncompile IR graphs."""
