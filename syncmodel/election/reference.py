# Provenance: the reference election code of the seed article, section 5
# ("具体最佳实践：代码实例和详细解释说明"), file ../shared/seed/000_4e0909698043d8b5.txt,
# copied VERBATIM below this header (not reformatted, not linted, not type-checked;
# see pyproject.toml).  It is shipped so that users can run it and see it fail:
#     python -m syncmodel.election.reference
# raises AttributeError: 'NoneType' object has no attribute 'hash', because
# Election.run passes self.leader (still None) to Node.vote.  Further flaws: vote()
# overwrites the *other* node's hash (its identity is lost), max() keeps a hash string
# but not which node owns it, and nothing ever assigns Election.leader, so even with a
# node passed in the printed "leader" is that node, not the winner.  The corrected
# algorithm is syncmodel.election.hash_election (explained in syncmodel.election.hashing).
import hashlib
import threading

class Node:
    def __init__(self, id):
        self.id = id
        self.lock = threading.Lock()
        self.hash = None

    def calculate_hash(self):
        with self.lock:
            self.hash = hashlib.sha256(str(self.id).encode()).hexdigest()

    def vote(self, node):
        with self.lock:
            node.hash = max(node.hash, self.hash)

class Election:
    def __init__(self, nodes):
        self.nodes = nodes
        self.leader = None

    def run(self):
        for node in self.nodes:
            node.calculate_hash()

        for node in self.nodes:
            node.vote(self.leader)

if __name__ == "__main__":
    nodes = [Node(i) for i in range(5)]
    election = Election(nodes)
    election.run()
    print(f"Leader: {election.leader.id}")
