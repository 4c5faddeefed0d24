# Writes h5py_keras_layout.h5 exactly the way Keras 2's hdf5_format.save_weights_to_hdf5_group does (numpy fixed-length
# byte strings, an empty float64 array for layers without weights, layer_names split into layer_names0/1 as Keras does
# past its 64 KB header limit). Run once with Debian's python3-h5py: /usr/bin/python3 make_h5py_fixture.py
# The product and the tests never need Python; the 15 KB output is committed.
import h5py
import numpy as np

layers = [b'input_1', b'conv', b'bn', b'activation']
with h5py.File('h5py_keras_layout.h5', 'w') as f:
    for i, chunk in enumerate(np.array_split(np.array(layers), 2)):
        f.attrs['layer_names%d' % i] = chunk
    f.attrs['backend'] = b'tensorflow'
    f.attrs['keras_version'] = b'2.4.0'
    for name in sorted(layers):
        g = f.create_group(name.decode())
        if name == b'conv':
            g.attrs['weight_names'] = np.array([b'conv/kernel:0'])
            g.create_dataset('conv/kernel:0', data=np.arange(24, dtype=np.float32).reshape(1, 1, 3, 8))
        elif name == b'bn':
            names = [b'bn/gamma:0', b'bn/beta:0', b'bn/moving_mean:0', b'bn/moving_variance:0']
            g.attrs['weight_names'] = np.array(names)
            for i, w in enumerate(names):
                g.create_dataset(w.decode(), data=np.full(8, 0.5 + i, dtype=np.float64))
        else:
            g.attrs['weight_names'] = np.array([])
