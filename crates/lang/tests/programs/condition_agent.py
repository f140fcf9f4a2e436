# A support agent serves customers as they arrive, waiting on a Condition in between. Once
# every customer is served the agent waits forever: CPython would hang here, racelab
# explains who waits for what.
import threading
import time

CUSTOMERS = 5
customer_available_condition = threading.Condition()
waiting_customers = []
served = []


def agent():
    while True:
        with customer_available_condition:
            while not waiting_customers:
                customer_available_condition.wait()
            customer = waiting_customers.pop(0)
        served.append(customer)
        print("served", customer)


def customer(name):
    time.sleep(0.001)
    with customer_available_condition:
        waiting_customers.append(name)
        customer_available_condition.notify()


threading.Thread(target=agent, name="agent").start()
arrivals = [threading.Thread(target=customer, args=(f"customer-{i}",)) for i in range(CUSTOMERS)]
for c in arrivals:
    c.start()
for c in arrivals:
    c.join()
