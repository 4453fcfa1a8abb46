"""Live editing: everyone's keystrokes in a day's texts, merged as they type (Yjs in the
browser, pycrdt here), with who is where. The rooms (rooms.py) hold the documents, the
consumer (consumer.py) is the socket, texts.py reads and writes the rows, and notify.py
is how the rest of the app tells open editors what changed outside them."""
